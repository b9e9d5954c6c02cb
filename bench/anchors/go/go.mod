module stockd/bench/anchors/go

go 1.19
