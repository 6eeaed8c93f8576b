/* libFuzzer target: any byte stream from the host, with time passing between bytes, must never touch the
 * bootloader, program a double word that is not erased, reach outside the flash (the fakes abort), or trip the
 * sanitizers. Every input starts on a device holding an accepted application, already synchronised.
 *   CC=clang cmake -S tests/host -B out/host-fuzz -G Ninja && cmake --build out/host-fuzz
 *   out/host-fuzz/fuzz_an3155 -max_total_time=60 */
#include <stdlib.h>

#include "device.h"
#include "host.h"
#include "test_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static test_image_t img;
    static bool built;
    if (!built) {
        test_image_build(&img, 3000u, 1u);
        built = true;
    }
    device_factory_fresh();
    test_image_install(&img);
    if (!host_sync()) {
        abort();
    }
    /* Even bytes of the input go to the device; odd ones are milliseconds of silence before the next. */
    for (size_t i = 0; i + 1u < size; i += 2u) {
        host_send(&data[i], 1u);
        host_wait_ms(data[i + 1u] * 8u);
        dev.link.tx_len = 0u;
    }
    if (!device_bootloader_intact() || dev.ops.program_over_data != 0) {
        abort();
    }
    return 0;
}
