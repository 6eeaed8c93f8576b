# BearSSL, pinned in build/deps.json and unpacked under out/deps/ by the build's Deps task (never copied into the
# repository): only the part the bootloader's signature check calls, SHA-256 and ECDSA verification over NIST P-256.
# The curve code is p256_m31 with the i31 big integers: on a Cortex-M4 (single-cycle, constant-time UMULL) it links
# smaller and verifies twice as fast as p256_m15, BearSSL's choice for cores without a 32x32->64 multiply.
# ecdsa_i31_vrfy_raw.c names the P-384 and P-521 parameters in its curve switch, hence ec_secp384r1/521r1.c.
#   include(build/cmake/bearssl.cmake) then bearssl_library(<target>): a static library; link it and include
#   <bearssl_hash.h>, <bearssl_ec.h>.
file(READ "${CMAKE_CURRENT_LIST_DIR}/../deps.json" _bearssl_deps)
string(JSON _bearssl_directory GET "${_bearssl_deps}" BearSSL Directory)
string(JSON _bearssl_sha256 GET "${_bearssl_deps}" BearSSL Sha256)
get_filename_component(_bearssl_default "${CMAKE_CURRENT_LIST_DIR}/../../out/deps/${_bearssl_directory}" ABSOLUTE)
set(BEARSSL_DIR "${_bearssl_default}" CACHE PATH "BearSSL source tree (unpacked by ./build.sh --target=Deps)")

# The Deps task writes the tarball's checked SHA-256 into the tree it unpacked.
set(_bearssl_marker "${BEARSSL_DIR}/.tarball-sha256")
if(EXISTS "${_bearssl_marker}")
  file(STRINGS "${_bearssl_marker}" _bearssl_unpacked LIMIT_COUNT 1)
endif()
if(NOT _bearssl_unpacked STREQUAL _bearssl_sha256)
  message(FATAL_ERROR
    "BearSSL (build/deps.json) is not unpacked in ${BEARSSL_DIR}, or not from the pinned tarball. Fetch it with\n"
    "  ./build.sh --target=Deps\n"
    "(as root it fetches Debian's source package; otherwise it prints the commands to run).")
endif()

function(bearssl_library target)
  add_library(${target} STATIC
    "${BEARSSL_DIR}/src/codec/ccopy.c"
    "${BEARSSL_DIR}/src/codec/dec32be.c"
    "${BEARSSL_DIR}/src/codec/enc32be.c"
    "${BEARSSL_DIR}/src/ec/ec_p256_m31.c"
    "${BEARSSL_DIR}/src/ec/ec_secp256r1.c"
    "${BEARSSL_DIR}/src/ec/ec_secp384r1.c"
    "${BEARSSL_DIR}/src/ec/ec_secp521r1.c"
    "${BEARSSL_DIR}/src/ec/ecdsa_i31_bits.c"
    "${BEARSSL_DIR}/src/ec/ecdsa_i31_vrfy_raw.c"
    "${BEARSSL_DIR}/src/hash/sha2small.c"
    "${BEARSSL_DIR}/src/int/i31_add.c"
    "${BEARSSL_DIR}/src/int/i31_bitlen.c"
    "${BEARSSL_DIR}/src/int/i31_decmod.c"
    "${BEARSSL_DIR}/src/int/i31_decode.c"
    "${BEARSSL_DIR}/src/int/i31_encode.c"
    "${BEARSSL_DIR}/src/int/i31_fmont.c"
    "${BEARSSL_DIR}/src/int/i31_iszero.c"
    "${BEARSSL_DIR}/src/int/i31_modpow.c"
    "${BEARSSL_DIR}/src/int/i31_montmul.c"
    "${BEARSSL_DIR}/src/int/i31_muladd.c"
    "${BEARSSL_DIR}/src/int/i31_ninv31.c"
    "${BEARSSL_DIR}/src/int/i31_rshift.c"
    "${BEARSSL_DIR}/src/int/i31_sub.c"
    "${BEARSSL_DIR}/src/int/i31_tmont.c"
    "${BEARSSL_DIR}/src/int/i32_div32.c")
  target_include_directories(${target} PUBLIC "${BEARSSL_DIR}/inc" PRIVATE "${BEARSSL_DIR}/src")
endfunction()
