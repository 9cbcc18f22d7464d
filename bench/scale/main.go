// Command scale is the driver of bench/scale.sh (issue #15): it builds
// fixtures of N = 100 ... 1,000,000 rows directly through the store layer,
// then measures the operations of the issue through the real server's API,
// and writes a TSV, a markdown table and gnuplot data of the results.
//
//	scale gen     -store sqlite|postgres -n N -dir DIR [-dsn DSN]
//	scale measure -bin ARTIFACTD -stores sqlite,postgres -sizes 100,10000 -dir DIR [-dsn DSN] -out OUT
//	scale report  -in OUT/samples.tsv -out OUT
//
// bench/scale.sh runs them in order; see there for the knobs.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scale gen|measure|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = genCommand(os.Args[2:])
	case "measure":
		err = measureCommand(os.Args[2:])
	case "report":
		err = reportCommand(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: scale gen|measure|report [flags]")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[scale] "+format+"\n", args...)
}
