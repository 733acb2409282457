// Package kubescheduler builds the description of a real kube-scheduler component.
package kubescheduler
