package compat

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown renders the compatibility tables as docs/api-compatibility.md.
func WriteMarkdown(w io.Writer) {
	p := func(format string, a ...interface{}) { _, _ = fmt.Fprintf(w, format, a...) }
	p("# API compatibility\n\n")
	p("<!-- Generated from pkg/api/compat by `make generate`. Do not edit. -->\n\n")
	p("Hortus serves Gardener's API groups with Gardener's own Go types, so every manifest that a\n")
	p("Gardener garden accepts is accepted and stored as it is. This page says, field group by\n")
	p("field group, what Hortus does with each field:\n\n")
	p("- **acted on**: validated, and it changes what Hortus does;\n")
	p("- **validated only**: the API server checks it, but no Hortus controller acts on it yet;\n")
	p("- **stored, warned**: kept as it is; setting it returns an API warning (`kubectl` prints it).\n\n")
	p("A field without a row of its own inherits the row of its nearest parent; a field that\n")
	p("neither it nor a parent has a row for is stored, warned.\n\n")
	p("## Served resources\n\n")
	p("| Group/version | Resources |\n|---|---|\n")
	p("| `core.gardener.cloud/v1beta1` | Shoot (`/status`, `/binding`), Seed, Project, CloudProfile, ControllerInstallation, BackupBucket, BackupEntry (each with `/status`), NamespacedCloudProfile, Quota, SecretBinding, ControllerRegistration, ControllerDeployment, ExposureClass, InternalSecret, ShootState |\n")
	p("| `core.gardener.cloud/v1` | ControllerDeployment |\n")
	p("| `security.gardener.cloud/v1alpha1` | CredentialsBinding |\n")
	p("| `seedmanagement.gardener.cloud/v1alpha1` | ManagedSeed (`/status`) |\n\n")
	p("## Shoot (`core.gardener.cloud/v1beta1`)\n\n")
	p("| Field | Support | By |\n|---|---|---|\n")
	for _, r := range ShootRules {
		by := r.By
		if by == "" {
			by = "–"
		}
		p("| `%s` | %s | %s |\n", r.Path, r.Support, strings.ReplaceAll(by, "|", "\\|"))
	}
	p("\nOther resources are validated as described in `pkg/api/core/validation` and stored; their\n")
	p("controllers arrive with the garden controller-manager and the gardenlet.\n")
}
