// Package admissiontest provides what the tests of the admission plugins share: admission
// attributes for Gardener kinds, a fake reader of Hortus' API and a cloud profile like
// Gardener's provider-local one.
package admissiontest
