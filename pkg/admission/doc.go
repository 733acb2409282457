// Package admission holds Hortus' own admission plugins, one package each, and the packages
// they share: reader, which reads Hortus' API through the loopback connection, and
// cloudprofile, which resolves a Shoot's cloud profile.
package admission
