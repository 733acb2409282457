// Package project holds the Project reconciler, which gives every Project its namespace
// and the RBAC that lets its members work in it, and releases both when the Project is
// deleted.
package project
