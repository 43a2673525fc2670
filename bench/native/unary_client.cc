// Serial unary gRPC calls from a native (C++) client, for `make bench`.
//
// The Python client spends ~0.2 ms of CPU per call on this machine, which is part of
// every serial latency it measures. This client sends the same pre-serialised request
// bytes through grpc::GenericStub (no generated code, no protobuf), one call at a time
// on one channel, so what it measures is the server plus the transport: what a caller
// written in Go, Java or C++ sees.
//
// Usage: unary_client TARGET METHOD REQUEST_FILE CALLS [WARMUP]
// Prints one JSON line: {"p50_ms": .., "p90_ms": .., "p99_ms": .., "calls": ..}.
// Exits 1 on the first call that does not end OK (the status is printed to stderr).

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

// One blocking call: GenericStub only offers the callback form for unary calls.
grpc::Status Call(grpc::GenericStub& stub, const std::string& method,
                  const grpc::ByteBuffer& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   std::lock_guard<std::mutex> lock(mutex);
                   result = std::move(status);
                   done = true;
                   finished.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return done; });
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s TARGET METHOD REQUEST_FILE CALLS [WARMUP]\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1];
  const std::string method = argv[2];
  std::ifstream file(argv[3], std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", argv[3]);
    return 2;
  }
  const std::string body((std::istreambuf_iterator<char>(file)), {});
  const int calls = std::atoi(argv[4]);
  const int warmup = argc > 5 ? std::atoi(argv[5]) : 200;
  if (calls < 1 || warmup < 0) {
    std::fprintf(stderr, "CALLS must be at least 1 and WARMUP at least 0\n");
    return 2;
  }

  grpc::GenericStub stub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::Slice slice(body);
  const grpc::ByteBuffer request(&slice, 1);
  std::vector<double> samples;
  samples.reserve(calls);
  for (int i = 0; i < warmup + calls; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const grpc::Status status = Call(stub, method, request);
    const auto ended = std::chrono::steady_clock::now();
    if (!status.ok()) {
      std::fprintf(stderr, "call %d ended %d: %s\n", i, static_cast<int>(status.error_code()),
                   status.error_message().c_str());
      return 1;
    }
    if (i >= warmup) {
      samples.push_back(std::chrono::duration<double, std::milli>(ended - started).count());
    }
  }
  std::sort(samples.begin(), samples.end());
  // Nearest rank on the sorted samples.
  const auto quantile = [&](double q) {
    return samples[static_cast<size_t>(q * static_cast<double>(samples.size() - 1) + 0.5)];
  };
  std::printf("{\"p50_ms\": %.4f, \"p90_ms\": %.4f, \"p99_ms\": %.4f, \"calls\": %d}\n",
              quantile(0.5), quantile(0.9), quantile(0.99), calls);
  return 0;
}
