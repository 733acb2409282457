// Command hortus is the multi-call binary of Hortus: every server, controller and CLI
// command of the project is a subcommand of it.
package main

import (
	"os"

	"github.com/hortus-dev/hortus/pkg/cli"
)

func main() {
	os.Exit(cli.Main())
}
