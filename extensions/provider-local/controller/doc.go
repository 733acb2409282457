// Package controller holds what provider-local's extension controllers share: the
// extension type they answer to, their registration options and the status patch.
package controller
