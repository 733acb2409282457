// Package extobject is what the gardenlet's backupbucket and backupentry controllers share:
// they write an extension object (extensions.gardener.cloud) into the seed for a core
// object in the garden, ask its extension to reconcile it, and turn the extension's status
// into the core object's last operation and last error.
package extobject
