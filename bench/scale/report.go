package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// opOrder is the order of the rows in the table and of the plots' lines:
// coreOps, then the formats' rows (fmtOpOrder).
var opOrder = append(append([]string(nil), coreOps...), fmtOpOrder()...)

// coreOps are the rows of issue #15's table: generic and npm.
var coreOps = []string{
	"ListPackageVersions status=Unlisted",
	"ListPackageVersions first page",
	"DescribeDomain",
	"ListPackages prefix",
	"DeletePackageVersions 100",
	"DescribePackageVersion",
	"GetPackageVersionAsset",
	"PublishPackageVersion",
	"npm packument warm (full)",
	"npm packument warm (abbreviated, gzip)",
	"npm packument after dist-tag change",
	"npm packument rebuild after dist-tag change (HEAD)",
	"npm packument rebuild after publish (HEAD)",
	"npm GET /name/version",
	"npm tarball GET",
}

// peeredOps are the rows measured against nginx serving the same bytes.
var peeredOps = []string{"npm packument warm (full)", "npm packument warm (abbreviated, gzip)",
	"npm packument after dist-tag change"}

func peerOps() []string {
	var out []string
	for _, op := range peeredOps {
		out = append(out, peerOp(op))
	}
	return out
}

// writePeerTables compares the npm packument rows with nginx serving the
// bytes artifactd answered, through the same client, at each N: the warm
// loads by requests/s (8 clients), the GET after a change by its median
// latency. A document of 20,000 versions is 24 MB: its cost is that of
// its bytes, and the question is whether artifactd's grows faster than a
// static file server's on the same bytes. The verdict compares the cost
// ratio (artifactd ÷ nginx) at each N with the one at the smallest N.
func writePeerTables(md *strings.Builder, stats map[key]stat, stores []string, sizes []int) {
	for _, st := range stores {
		if _, ok := stats[key{st, peerOp(peeredOps[0]), sizes[0]}]; !ok {
			continue
		}
		fmt.Fprintf(md, "**%s, against nginx serving the same bytes** — artifactd / nginx: requests/s of 8 clients (warm loads) or median ms (after a change); cost ratio artifactd ÷ nginx in brackets\n\n", st)
		md.WriteString("| operation |")
		for _, n := range sizes {
			fmt.Fprintf(md, " N=%s |", human(n))
		}
		fmt.Fprintf(md, " cost ratio within 1.5× of N=%s's? |\n|---|", human(sizes[0]))
		for range sizes {
			md.WriteString("---:|")
		}
		md.WriteString("---|\n")
		for _, op := range peeredOps {
			fmt.Fprintf(md, "| %s |", op)
			base, worst := 0.0, 0.0
			for _, n := range sizes {
				cost := peerCost(stats, st, op, n)
				if cost == 0 {
					md.WriteString(" — |")
					continue
				}
				a, p := stats[key{st, op, n}], stats[key{st, peerOp(op), n}]
				if a.rps > 0 && p.rps > 0 {
					fmt.Fprintf(md, " %s / %s (%s×) |", rate(a.rps), rate(p.rps), ratioStr(cost))
				} else {
					fmt.Fprintf(md, " %s / %s ms (%s×) |", num(a.median), num(p.median), ratioStr(cost))
				}
				if base == 0 {
					base = cost
				}
				worst = max(worst, cost/base)
			}
			verdict := "yes"
			if worst > 1.5 {
				verdict = fmt.Sprintf("**no** (%s×)", ratioStr(worst))
			}
			fmt.Fprintf(md, " %s |\n", verdict)
		}
		md.WriteString("\n")
	}
}

// fmtOpOrder is every format's four rows, in fmtRepos order.
func fmtOpOrder() []string {
	var ops []string
	for _, f := range fmtRepos {
		o := fmtOps(f.format)
		ops = append(ops, o[:]...)
	}
	return ops
}

type key struct {
	store, op string
	n         int
}

type stat struct {
	median, p90 float64
	samples     int
	rps         float64 // median of the rounds' rates; 0 = not a load
}

func reportCommand(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	in := fs.String("in", "", "samples.tsv written by measure")
	out := fs.String("out", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return errors.New("report: -in and -out are required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	ms, rps := map[key][]float64{}, map[key][]float64{}
	stores, sizes := []string{}, []int{}
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 6 {
			return fmt.Errorf("%s:%d: %d fields", *in, line+1, len(c))
		}
		n, err1 := strconv.Atoi(c[2])
		v, err2 := strconv.ParseFloat(c[4], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s:%d: bad number", *in, line+1)
		}
		k := key{c[0], c[1], n}
		if c[5] == "rps" {
			rps[k] = append(rps[k], v)
		} else {
			ms[k] = append(ms[k], v)
		}
		if !slices.Contains(stores, c[0]) {
			stores = append(stores, c[0])
		}
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	slices.Sort(sizes)
	stats := map[key]stat{}
	for k, vs := range ms {
		slices.Sort(vs)
		st := stat{median: quantile(vs, 0.5), p90: quantile(vs, 0.9), samples: len(vs)}
		if r := rps[k]; len(r) > 0 {
			slices.Sort(r)
			st.rps = quantile(r, 0.5)
		}
		stats[k] = st
	}

	// scale.tsv
	var tsv strings.Builder
	tsv.WriteString("store\toperation\tN\tmedian_ms\tp90_ms\tsamples\treq_per_s\n")
	for _, st := range stores {
		for _, op := range append(append([]string(nil), opOrder...), peerOps()...) {
			for _, n := range sizes {
				s, ok := stats[key{st, op, n}]
				if !ok {
					continue
				}
				r := ""
				if s.rps > 0 {
					r = fmt.Sprintf("%.3g", s.rps)
				}
				fmt.Fprintf(&tsv, "%s\t%s\t%d\t%.3f\t%.3f\t%d\t%s\n", st, op, n, s.median, s.p90, s.samples, r)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(*out, "scale.tsv"), []byte(tsv.String()), 0o644); err != nil {
		return err
	}

	// scale.md: per store, median ms (ratio to the smallest N) per size.
	var md strings.Builder
	for _, st := range stores {
		fmt.Fprintf(&md, "**%s** — median ms (p90), × = ratio of medians to N=%s; warm loads: requests/s of 8 clients\n\n", st, human(sizes[0]))
		md.WriteString("| operation |")
		for _, n := range sizes {
			fmt.Fprintf(&md, " N=%s |", human(n))
		}
		md.WriteString(" within 1.5×? |\n|---|")
		for range sizes {
			md.WriteString("---:|")
		}
		md.WriteString("---|\n")
		for _, op := range opOrder {
			base, ok := stats[key{st, op, sizes[0]}]
			if !ok {
				continue
			}
			fmt.Fprintf(&md, "| %s |", op)
			worst := 0.0
			for _, n := range sizes {
				s, ok := stats[key{st, op, n}]
				if !ok {
					md.WriteString(" — |")
					continue
				}
				ratio := s.median / base.median
				worst = max(worst, ratio)
				cell := fmt.Sprintf("%s (%s)", num(s.median), num(s.p90))
				if n != sizes[0] {
					cell += fmt.Sprintf(" %s×", ratioStr(ratio))
				}
				if s.rps > 0 {
					cell += "; " + rate(s.rps)
				}
				fmt.Fprintf(&md, " %s |", cell)
			}
			verdict := "yes"
			if worst > 1.5 {
				verdict = fmt.Sprintf("**no** (%s×)", ratioStr(worst))
			}
			fmt.Fprintf(&md, " %s |\n", verdict)
		}
		md.WriteString("\n")
	}
	writePeerTables(&md, stats, stores, sizes)
	if err := os.WriteFile(filepath.Join(*out, "scale.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())

	// gnuplot data and scripts, two per store: the core rows
	// (plot-STORE.*) and the formats' (plot-STORE-formats.*).
	for _, g := range []struct {
		suffix string
		ops    []string
	}{{"", coreOps}, {"-formats", fmtOpOrder()}} {
		if err := writePlot(*out, stats, sizes, stores, g.suffix, g.ops); err != nil {
			return err
		}
	}
	return writePeerPlot(*out, stats, sizes, stores)
}

// peerCost is the cost of op relative to nginx on the same bytes at
// (store, n): requests/s for the loads, median latency otherwise (0: not
// measured).
func peerCost(stats map[key]stat, st, op string, n int) float64 {
	a, ok1 := stats[key{st, op, n}]
	p, ok2 := stats[key{st, peerOp(op), n}]
	switch {
	case !ok1 || !ok2:
		return 0
	case a.rps > 0 && p.rps > 0:
		return p.rps / a.rps
	}
	return a.median / p.median
}

// writePeerPlot writes plot-STORE-peer.{dat,gp}: the peered rows' cost
// relative to nginx serving the same bytes, against N.
func writePeerPlot(out string, stats map[key]stat, sizes []int, stores []string) error {
	for _, st := range stores {
		if peerCost(stats, st, peeredOps[0], sizes[0]) == 0 {
			continue
		}
		var dat strings.Builder
		dat.WriteString("N")
		for _, op := range peeredOps {
			fmt.Fprintf(&dat, "\t%s", op)
		}
		dat.WriteString("\n")
		for _, n := range sizes {
			fmt.Fprintf(&dat, "%d", n)
			for _, op := range peeredOps {
				if c := peerCost(stats, st, op, n); c > 0 {
					fmt.Fprintf(&dat, "\t%.4f", c)
				} else {
					dat.WriteString("\tNaN")
				}
			}
			dat.WriteString("\n")
		}
		name := "plot-" + st + "-peer"
		if err := os.WriteFile(filepath.Join(out, name+".dat"), []byte(dat.String()), 0o644); err != nil {
			return err
		}
		title := map[string]string{"sqlite": "embedded store (SQLite + file blobs)", "postgres": "PostgreSQL + file blobs"}[st]
		if title == "" {
			title = st
		}
		gp := fmt.Sprintf(`# Drawn by bench/scale.sh (scale report): gnuplot -e "out='FILE.png'" %[1]s.gp
set terminal pngcairo size 1100,600 font "sans,11"
set output out
set datafile separator "\t"
set datafile missing "NaN"
set logscale x 10
set logscale y 2
set xrange [70:1500000]
set yrange [0.25:16]
set xtics ("100" 100, "1k" 1000, "10k" 10000, "100k" 100000, "1M" 1000000)
set grid xtics ytics lc rgb "#dddddd"
set key inside left top
set title "npm packuments against nginx serving the same bytes: %[2]s"
set xlabel "N (npm package: min(N, 20000) versions)"
set ylabel "artifactd's cost / nginx's (log scale)"
%[3]splot for [i=2:%[4]d] "%[1]s.dat" using 1:i with linespoints ls (i-1) title columnheader(i), \
     1 with lines dt 2 lw 2 lc rgb "#444444" title "as nginx"
`, name, title, coreStyles, len(peeredOps)+1)
		if err := os.WriteFile(filepath.Join(out, name+".gp"), []byte(gp), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writePlot(out string, stats map[key]stat, sizes []int, stores []string, suffix string, group []string) error {
	for _, st := range stores {
		var dat, rat strings.Builder
		dat.WriteString("N")
		var ops []string
		for _, op := range group {
			if _, ok := stats[key{st, op, sizes[0]}]; ok {
				ops = append(ops, op)
				fmt.Fprintf(&dat, "\t%s", op)
			}
		}
		dat.WriteString("\n")
		rat.WriteString(dat.String())
		for _, n := range sizes {
			fmt.Fprintf(&dat, "%d", n)
			fmt.Fprintf(&rat, "%d", n)
			for _, op := range ops {
				if s, ok := stats[key{st, op, n}]; ok {
					fmt.Fprintf(&dat, "\t%.4f", s.median)
					fmt.Fprintf(&rat, "\t%.4f", s.median/stats[key{st, op, sizes[0]}].median)
				} else {
					dat.WriteString("\tNaN")
					rat.WriteString("\tNaN")
				}
			}
			dat.WriteString("\n")
			rat.WriteString("\n")
		}
		if len(ops) == 0 {
			continue
		}
		name := "plot-" + st + suffix
		if err := os.WriteFile(filepath.Join(out, name+".dat"), []byte(dat.String()), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+"-ratio.dat"), []byte(rat.String()), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".gp"), []byte(gnuplotScript(st, suffix, ops)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func human(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// rate is a requests/s figure with two significant digits or more.
func rate(v float64) string {
	if v >= 99.5 { // %.2g would write 1e+02
		return fmt.Sprintf("%.0f/s", v)
	}
	return fmt.Sprintf("%.2g/s", v)
}

func ratioStr(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// gnuplotScript draws two panels: the median per operation against N, and
// the same divided by its value at the smallest N, with the 1.5× target.
// It reads plot-STORE.dat and plot-STORE-ratio.dat and writes the PNG
// named by the variable out.
func gnuplotScript(st, suffix string, ops []string) string {
	nops := len(ops)
	title := map[string]string{"sqlite": "embedded store (SQLite + file blobs)", "postgres": "PostgreSQL + file blobs",
		storePostgresS3: "PostgreSQL + S3 blobs (moto)"}[st]
	if title == "" {
		title = st
	}
	xlabel := "N (versions of the big package, packages of the repository; npm package: min(N, 20000) versions)"
	styles := coreStyles
	if suffix == "-formats" {
		title += ", formats"
		xlabel = "N (versions of the format's repository: PyPI, Maven N; Cargo, RubyGems, NuGet, Swift min(N, 100000))"
		// A colour per format, a point and dash per row kind.
		colours := []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"}
		var b strings.Builder
		for i := range ops {
			fmt.Fprintf(&b, "set style line %d lc rgb %q lw 2 pt %d ps 1.2 dt %d\n", i+1, colours[(i/4)%len(colours)], []int{7, 5, 9, 11}[i%4], []int{1, 2, 3, 4}[i%4])
		}
		styles = b.String()
	}
	return fmt.Sprintf(`# Drawn by bench/scale.sh (scale report): gnuplot -e "out='FILE.png'" plot-%[1]s.gp
set terminal pngcairo size 1400,1100 font "sans,11"
set output out
set datafile separator "\t"
set datafile missing "NaN"
set logscale x 10
set logscale y 10
set xrange [70:1500000]
set xtics ("100" 100, "1k" 1000, "10k" 10000, "100k" 100000, "1M" 1000000)
set grid xtics ytics mytics lc rgb "#dddddd"
set key outside right top vertical Left reverse width -2 font "sans,10"
%[4]sset lmargin at screen 0.07
set rmargin at screen 0.70
set multiplot layout 2,1 title "artifactd scale benchmark (issue #15): %[2]s" font "sans,14"
set ylabel "median latency (ms, log scale)"
set xlabel "%[5]s"
plot for [i=2:%[3]d] "plot-%[1]s.dat" using 1:i with linespoints ls (i-1) title columnheader(i)
set ylabel "median / median at N=100 (log scale)"
set yrange [0.3:*]
set key inside left top
plot for [i=2:%[3]d] "plot-%[1]s-ratio.dat" using 1:i with linespoints ls (i-1) notitle, \
     1.5 with lines dt 2 lw 2 lc rgb "#444444" title "1.5x (target)"
unset multiplot
`, st+suffix, title, nops+1, styles, xlabel)
}

// coreStyles are the line styles of the core rows' plot.
var coreStyles = `set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.2
set style line 2 lc rgb "#ff7f0e" lw 2 pt 5 ps 1.2
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 1.4
set style line 4 lc rgb "#d62728" lw 2 pt 11 ps 1.4
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 1.4
set style line 6 lc rgb "#8c564b" lw 2 pt 4 ps 1.2
set style line 7 lc rgb "#e377c2" lw 2 pt 6 ps 1.2
set style line 8 lc rgb "#7f7f7f" lw 2 pt 8 ps 1.2
set style line 9 lc rgb "#bcbd22" lw 2 pt 10 ps 1.2
set style line 10 lc rgb "#17becf" lw 2 pt 12 ps 1.2
set style line 11 lc rgb "#000000" lw 2 pt 1 ps 1.5
set style line 12 lc rgb "#ff9896" lw 2 pt 2 ps 1.5
set style line 13 lc rgb "#98df8a" lw 2 pt 3 ps 1.5
set style line 14 lc rgb "#c5b0d5" lw 2 pt 7 ps 1.0 dt 2
set style line 15 lc rgb "#c49c94" lw 2 pt 5 ps 1.0 dt 2
`
