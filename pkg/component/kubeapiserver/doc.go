// Package kubeapiserver builds the description of a real kube-apiserver component.
package kubeapiserver
