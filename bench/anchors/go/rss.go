// RSS per parked goroutine: the resident-set delta (from /proc/self/statm) of
// n goroutines blocked on one channel's receive, divided by n. The same
// measurement as stockd's rss_parked_fiber_bytes, so both pay for stacks,
// records and allocator slack alike.
package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		panic(err)
	}
	fields := strings.Fields(string(data))
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		panic(err)
	}
	return pages * int64(os.Getpagesize())
}

func parkedRSS(n int) float64 {
	ch := make(chan int)
	var started atomic.Int64
	var wg sync.WaitGroup
	wg.Add(n)
	runtime.GC()
	before := residentBytes()
	for i := 0; i < n; i++ {
		go func() {
			started.Add(1)
			<-ch
			wg.Done()
		}()
	}
	for started.Load() < int64(n) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // let the last ones reach the receive
	after := residentBytes()
	close(ch)
	wg.Wait()
	return float64(after-before) / float64(n)
}
