// Package shootstatuslabel holds the shoot status label controller, which keeps the
// shoot.gardener.cloud/status label of every Shoot in line with its conditions and last
// operation.
package shootstatuslabel
