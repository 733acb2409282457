// Package landscape runs a whole local Hortus landscape on one machine — a garden with
// the Hortus API server, controller-manager and scheduler, and one or more seeds with
// their gardenlets — as supervised processes under one state directory. It implements
// `hortus up`, `hortus down` and `hortus status`.
package landscape
