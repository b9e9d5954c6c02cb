// The timed metrics. Each is a testing.B body whose b.N counts "iterations" of
// the same shape as the C++ benchmark's state loop; opsPerIter converts to the
// reported cost per op. Keep the constants equal to bench/runtime_bench_*.cc.
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

const (
	spawnBatch  = 1000  // fibers spawned then joined per iteration
	bufItems    = 20000 // items per buffered-channel iteration
	bufCapacity = 128   // buffered channel capacity
	lockWorkers = 4     // fibers contending on the counter
	lockIncrs   = 10000 // increments per worker per iteration
	fanOut      = 1000  // WaitGroup fan-out width
)

type metric struct {
	procs      int
	opsPerIter float64
	body       func(b *testing.B)
}

var timedMetrics = map[string]metric{
	"spawn_join_p1_ns":       {1, spawnBatch, spawnJoin},
	"spawn_join_p2_ns":       {2, spawnBatch, spawnJoin},
	"yield_p1_ns":            {1, 2, yield},
	"chan_pingpong_p1_ns":    {1, 1, pingPong},
	"chan_pingpong_p2_ns":    {2, 1, pingPong},
	"chan_buf_1x1_p2_ns":     {2, bufItems, func(b *testing.B) { buffered(b, 1, 1) }},
	"chan_buf_4x4_p2_ns":     {2, bufItems, func(b *testing.B) { buffered(b, 4, 4) }},
	"mutex_counter_p2_ns":    {2, lockWorkers * lockIncrs, mutexCounter},
	"atomic_counter_p2_ns":   {2, lockWorkers * lockIncrs, atomicCounter},
	"waitgroup_fanout_p2_ns": {2, 1, waitGroupFanOut},
	"pool_getput_p1_ns":      {1, 1, poolGetPut},
}

// run executes one metric under its GOMAXPROCS and returns ns per op.
func run(m metric) float64 {
	prev := runtime.GOMAXPROCS(m.procs)
	defer runtime.GOMAXPROCS(prev)
	r := testing.Benchmark(m.body)
	return float64(r.T.Nanoseconds()) / float64(r.N) / m.opsPerIter
}

func spawnJoin(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(spawnBatch)
		for j := 0; j < spawnBatch; j++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
}

// Two goroutines on one P; each iteration is two Gosched calls (ours, then the partner's).
func yield(b *testing.B) {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		for !stop.Load() {
			runtime.Gosched()
		}
		close(done)
	}()
	runtime.Gosched() // let the partner start before timing
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.Gosched()
	}
	b.StopTimer()
	stop.Store(true)
	<-done
}

func pingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	b.StopTimer()
	close(ping)
	<-pong
}

func buffered(b *testing.B, producers, consumers int) {
	for i := 0; i < b.N; i++ {
		ch := make(chan int, bufCapacity)
		var pwg, cwg sync.WaitGroup
		pwg.Add(producers)
		for p := 0; p < producers; p++ {
			n := bufItems / producers
			go func() {
				for k := 0; k < n; k++ {
					ch <- k
				}
				pwg.Done()
			}()
		}
		cwg.Add(consumers)
		for c := 0; c < consumers; c++ {
			go func() {
				for range ch {
				}
				cwg.Done()
			}()
		}
		pwg.Wait()
		close(ch)
		cwg.Wait()
	}
}

func mutexCounter(b *testing.B) {
	var mu sync.Mutex
	counter := 0
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(lockWorkers)
		for w := 0; w < lockWorkers; w++ {
			go func() {
				for k := 0; k < lockIncrs; k++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
				wg.Done()
			}()
		}
		wg.Wait()
	}
	if counter != b.N*lockWorkers*lockIncrs {
		panic("mutex counter lost updates")
	}
}

func atomicCounter(b *testing.B) {
	var counter atomic.Int64
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(lockWorkers)
		for w := 0; w < lockWorkers; w++ {
			go func() {
				for k := 0; k < lockIncrs; k++ {
					counter.Add(1)
				}
				wg.Done()
			}()
		}
		wg.Wait()
	}
	if counter.Load() != int64(b.N*lockWorkers*lockIncrs) {
		panic("atomic counter lost updates")
	}
}

func waitGroupFanOut(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(fanOut)
		for j := 0; j < fanOut; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
}

type pooled struct{ buf [64]byte }

func poolGetPut(b *testing.B) {
	pool := sync.Pool{New: func() any { return new(pooled) }}
	for i := 0; i < b.N; i++ {
		p := pool.Get().(*pooled)
		p.buf[0]++
		pool.Put(p)
	}
}
