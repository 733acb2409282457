// Package resourcereferencemanager is the ResourceReferenceManager admission plugin: the
// objects that Shoots, bindings and NamespacedCloudProfiles reference must exist, and a
// CloudProfile may not drop versions that Shoots still use.
package resourcereferencemanager
