#!/usr/bin/env bash
# Usage: hack/test/failures.sh <go test log>
#
# Prints what failed in a `go test` log, so that the last lines of a failed `make test`
# say it. In this order, the most telling last: the start of each landscape diagnostics
# block (test/e2e/framework Diagnose); failing tests with their output, compile errors
# and panics; each Ginkgo failure with its message; the failing packages. Colours are
# removed and long lines cut.
set -euo pipefail
log=${1:?usage: $0 <go test log>}
echo
echo "===== what failed (the whole output is above) ====="
sed 's/\x1b\[[0-9;]*m//g' "$log" | cut -c1-400 | awk '
	function take(section, lines) { cur = section; n = lines }
	/^ok[ \t]/                              { next }
	/^FAIL[ \t]/                            { pkgs = pkgs $0 "\n"; next }
	/===== diagnostics of the landscape/    { take("diag", 25) }
	/^--- FAIL|^panic: /                    { take("tests", 15) }
	/^# [a-z]/                              { take("tests", 10) }
	/^ *\[FAILED\] [^i]|\[PANICKED\]|\[TIMEDOUT\]/ { take("ginkgo", 8) }
	n > 0 { out[cur] = out[cur] $0 "\n"; n-- }
	END { printf "%s%s%s%s", out["diag"], out["tests"], out["ginkgo"], pkgs }
' | tail -n 250
