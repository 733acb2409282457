// Package quota is the REST storage of core.gardener.cloud Quotas (namespaced).
package quota
