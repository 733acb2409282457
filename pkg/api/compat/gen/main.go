// Command gen writes docs/api-compatibility.md from the compat tables.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/hortus-dev/hortus/pkg/api/compat"
)

func main() {
	out := flag.String("out", "", "file to write; standard output when empty")
	flag.Parse()
	var b bytes.Buffer
	compat.WriteMarkdown(&b)
	if *out == "" {
		_, _ = os.Stdout.Write(b.Bytes())
		return
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
