// Package controllermanager runs the Hortus controller manager: the garden controllers
// (Projects first) in one controller-runtime manager, configured by Gardener's
// ControllerManagerConfiguration file.
package controllermanager
