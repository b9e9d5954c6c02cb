// gobench — the Go anchor for stockd's runtime benchmarks (bench/runtime-vs-go.sh).
//
// Each benchmark mirrors one in bench/runtime_bench*.cc: same pattern, same
// batch sizes, same GOMAXPROCS as the C++ side's procs. Output is one line per
// metric, "name<TAB>value", where value is a cost (ns per op, or bytes per
// fiber), so the script can compare it with stockd's directly.
//
// Usage:
//
//	gobench -bench spawn_join_p1 [-benchtime 500ms]   one timed metric
//	gobench -list                                     names of the timed metrics
//	gobench -rss [-fibers 100000]                     RSS per parked goroutine
//	gobench -echo-server [-port 0]                    TCP echo server; prints "PORT <n>"
//
// No dependencies outside the standard library; builds offline.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

func main() {
	testing.Init() // registers -test.* flags so testing.Benchmark honours benchtime
	bench := flag.String("bench", "", "timed metric to run (see -list)")
	benchtime := flag.Duration("benchtime", 500*time.Millisecond, "minimum run time per metric")
	list := flag.Bool("list", false, "list timed metrics")
	rss := flag.Bool("rss", false, "measure RSS per parked goroutine")
	fibers := flag.Int("fibers", 100000, "goroutines to park for -rss")
	echo := flag.Bool("echo-server", false, "run the TCP echo server")
	port := flag.Int("port", 0, "echo server port (0 = any free)")
	flag.Parse()

	switch {
	case *list:
		names := make([]string, 0, len(timedMetrics))
		for name := range timedMetrics {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Println(name)
		}
	case *rss:
		fmt.Printf("rss_parked_fiber_bytes\t%.1f\n", parkedRSS(*fibers))
	case *echo:
		if err := echoServer(*port); err != nil {
			fmt.Fprintln(os.Stderr, "echo server:", err)
			os.Exit(1)
		}
	case *bench != "":
		m, ok := timedMetrics[*bench]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown metric %q (see -list)\n", *bench)
			os.Exit(2)
		}
		if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("%s\t%.2f\n", *bench, run(m))
	default:
		flag.Usage()
		os.Exit(2)
	}
}
