// Package extension is the generic controller of Gardener's extension contract: it owns the
// finalizer, the gardener.cloud/operation annotation and the status of extension objects
// (extensions.gardener.cloud/v1alpha1), so that a provider implements only an Actuator per kind.
//
// # What the controller does
//
// Add registers one controller per kind and extension type with a manager. It watches only
// objects whose spec.type equals Args.Type and is triggered when such an object
//   - appears (also on start-up) and needs work: it carries an operation annotation, is being
//     deleted, has no last operation or one that did not succeed, or has a generation the
//     controller has not observed yet;
//   - changes its generation, gets its deletion timestamp, or gets a new value of the
//     gardener.cloud/operation annotation (reconcile, migrate or restore).
//
// Status-only updates (including the controller's own) trigger nothing, and an object that is
// reconciled at its generation without annotation is left alone: the actuator does not run
// again. Failed attempts are retried through controller-runtime's rate-limited queue.
//
// One reconciliation takes one of four paths, chosen in this order:
//
//  1. migrate (annotation gardener.cloud/operation=migrate, or an unfinished Migrate): the
//     last operation becomes Migrate/Processing, Migrator.Migrate runs if the actuator
//     implements Migrator, the last operation becomes Migrate/Succeeded, and the finalizer
//     and the annotation are removed in one patch. The object is about to be deleted from
//     this seed without its resources being deleted.
//  2. delete (deletion timestamp set and the finalizer present): Delete/Processing,
//     Actuator.Delete, then the finalizer is removed.
//  3. restore (annotation gardener.cloud/operation=restore, or an unfinished Restore): the
//     finalizer is ensured, Restore/Processing, Migrator.Restore (Actuator.Reconcile when the
//     actuator is no Migrator), Restore/Succeeded, then the annotation is removed.
//  4. reconcile: the finalizer is ensured, the last operation becomes Create (before the
//     first success) or Reconcile with state Processing and description
//     "Reconciling the <Kind>", Actuator.Reconcile runs, and then the last operation becomes
//     Succeeded at progress 100, status.lastError is cleared, status.observedGeneration is
//     set, and finally the annotation is removed.
//
// An object annotated with gardener.cloud/operation=wait-for-state (the gardenlet writes
// its state back before it asks for restore) is left alone, even while being deleted. An
// object whose last operation is a successful Migrate is skipped unless it is annotated
// with migrate or restore again.
//
// When an actuator (or reading the Cluster) fails, the last operation gets state Error, the
// error as its description, and status.lastError the same description; the error is returned
// so that the request is retried with backoff, and the annotation stays until an attempt
// succeeds. An error that wraps reconcile.TerminalError gives state Failed instead: it is not
// retried, and the annotation is removed so that the gardenlet can ask again.
//
// What the actuator changes in the object's status in memory (providerStatus, state, …) is
// written together with the outcome. Status is written through the status subresource
// with a merge patch; the finalizer and the annotation with a merge patch on the object
// that carries its resourceVersion, so a concurrent change makes the write fail and the
// request retry instead of losing the change.
//
// Actuators of namespaced objects of class shoot (the default) get the Cluster of the
// object's namespace, read with GetCluster; cluster-scoped kinds (BackupBucket, BackupEntry)
// and objects of class seed or garden get nil.
//
// CheckReady is the other side of the contract: the gardenlet's flows use it to wait for an
// extension object.
package extension
