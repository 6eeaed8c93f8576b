# CMake toolchain for the STM32L475VG (Cortex-M4F): arm-none-eabi-gcc with the hard-float ABI.
# The prefix matches "ToolchainPrefix" in build/settings.json; pass -DTOOLCHAIN_PREFIX=... to use another one.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(TOOLCHAIN_PREFIX "arm-none-eabi-" CACHE STRING "Prefix of the bare-metal GCC toolchain binaries")

find_program(ARM_GCC "${TOOLCHAIN_PREFIX}gcc")
if(NOT ARM_GCC)
  message(FATAL_ERROR
    "${TOOLCHAIN_PREFIX}gcc was not found on PATH. Install the Arm bare-metal toolchain "
    "(Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi) or pass -DTOOLCHAIN_PREFIX=<prefix>.")
endif()

set(CMAKE_C_COMPILER "${ARM_GCC}")
set(CMAKE_ASM_COMPILER "${ARM_GCC}")
find_program(CMAKE_OBJCOPY "${TOOLCHAIN_PREFIX}objcopy" REQUIRED)
find_program(CMAKE_SIZE "${TOOLCHAIN_PREFIX}size" REQUIRED)

# A bare-metal compiler cannot link a test program without a linker script, so CMake's compiler check
# builds a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# The CPU flags go into every compile and link line: the GCC driver also picks the matching multilib
# (thumb/v7e-m+fp/hard) of newlib and libgcc from them.
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_ASM_FLAGS_INIT "${CMAKE_C_FLAGS_INIT}")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
