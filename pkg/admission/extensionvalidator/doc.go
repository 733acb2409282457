// Package extensionvalidator is the ExtensionValidator admission plugin: the extension
// types that Shoots, Seeds and backups use must be registered by a ControllerRegistration.
package extensionvalidator
