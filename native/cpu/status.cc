#include "shard4j/status.h"

extern "C" S4J_API const char* s4j_status_string(int status) {
  switch (status) {
    case S4J_OK: return "ok";
    case S4J_ERR_INVALID_ARGUMENT: return "invalid argument";
    case S4J_ERR_OUT_OF_MEMORY: return "out of memory";
    case S4J_ERR_NO_CUDA_BUILD: return "Shard4j was built without a CUDA compiler";
    case S4J_ERR_CUDA: return "CUDA runtime error";
    case S4J_ERR_UNSUPPORTED: return "unsupported";
    case S4J_ERR_NO_DEVICE: return "no CUDA device is visible";
    default: return "unknown status";
  }
}
