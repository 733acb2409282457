// Package deletionconfirmation is the DeletionConfirmation admission plugin: Shoots and
// Projects are deleted only when they carry the confirmation.gardener.cloud/deletion=true
// annotation.
package deletionconfirmation
