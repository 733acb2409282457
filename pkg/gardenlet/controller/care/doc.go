// Package care is the gardenlet's shoot care controller: it checks the health of each
// shoot's control plane every period and reports it in the shoot's conditions.
package care
