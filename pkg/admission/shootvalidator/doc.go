// Package shootvalidator is the ShootValidator admission plugin: it checks a Shoot against
// the CloudProfile or NamespacedCloudProfile it references (Kubernetes version, region,
// zones, machine types and images, volume types) and its name against its Project's.
package shootvalidator
