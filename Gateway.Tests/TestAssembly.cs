// The suite runs one test class at a time: on two cores, the demo, the browser, the namespace iperf3 stream and the
// 100,000-probe bundle test starve each other's timers when run side by side, and their bounds are about the product,
// not about the machine's load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
