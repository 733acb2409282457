// Package cloudprofile resolves the CloudProfile or NamespacedCloudProfile that a Shoot
// references and classifies the versions it offers, for the admission plugins.
package cloudprofile
