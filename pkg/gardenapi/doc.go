// Package gardenapi runs the Hortus API server behind a kube-apiserver: its component
// description, the rights it needs and its APIService registration.
//
// Order of use: GrantRights, then deploy the Component (it reads the front-proxy
// configuration in kube-system as it starts and exits when it may not), then Register.
//
// Routing: the aggregator reaches an APIService's server through a Service. With
// --enable-aggregator-routing=true it picks an endpoint from the Service's EndpointSlices,
// but EndpointSlices (like Endpoints) refuse loopback addresses ("may not be in the
// loopback range"), and without kube-proxy a ClusterIP leads nowhere. So a local
// kube-apiserver runs with --enable-aggregator-routing=false (see package localcluster),
// and the Service is of type ExternalName with the name "localhost": the aggregator's
// cluster resolver turns an ExternalName Service into https://<externalName>:<APIService
// port>, which is where the Hortus API server listens. The aggregator verifies the serving
// certificate for <service>.<namespace>.svc, so the certificate carries that name besides
// localhost. The Service port in the APIService is therefore the Hortus API server's real
// port.
package gardenapi
