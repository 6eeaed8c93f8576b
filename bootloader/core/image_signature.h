/* The signature block: ECDSA over NIST P-256 with SHA-256, in the application header page right after the 64-byte
 * image header, present when the header's flags has IMAGE_FLAG_SIGNED. `stm32boot stamp` writes it
 * (tools/Stm32Boot/SignatureBlock.cs mirrors every number here, and a test compares the two); image_verify.c
 * checks it. Like MCUboot's TLV area, the block splits into protected TLVs, which the signature covers, and
 * unprotected ones, which carry the signature itself; unlike MCUboot (TLVs after the image) and like SBSFU (a header
 * of its own), it lives in the header page, so the memory map and the header-last commit stay as they are.
 *
 *   header page offset
 *   0x000  image_header_t, 64 bytes (header_crc32 still covers 0x00-0x3B only)
 *   0x040  block header, 8 bytes, little-endian: u8 magic[2] 'S','G'; u16 version = 1;
 *          u16 protected_size (block header + protected TLVs); u16 block_size (the whole block)
 *   0x048  protected TLVs, up to block offset protected_size
 *          unprotected TLVs, up to block offset block_size
 *          erased (0xFF) from there; the block must end by 0x780, where the bootloader's boot-state trailer starts
 *
 * A TLV is u16 type, u16 length, then length bytes of value, packed. Protected: KEY_ID (which public key verifies
 * it: the first 8 bytes of SHA-256 over the key's DER SubjectPublicKeyInfo, what `openssl pkey -pubin -outform DER |
 * sha256sum` prints) and SECURITY_COUNTER (u32, for anti-rollback). Unprotected: ECDSA_P256_SIGNATURE (r then s,
 * 32 bytes each, big-endian: IEEE P1363, as .NET's ECDsa writes it). The signature is over
 *   SHA-256( header (64 bytes) || block bytes 0 .. protected_size-1 || image_size bytes from image_addr ),
 * so a change of any header field, of the block's sizes, key id or counter, or of any image byte breaks it. Each
 * known type appears exactly once, in its own area, with its exact length; unknown types are skipped (a later
 * stm32boot may add some: the old bootloader still verifies the rest, and a protected one is signed). */
#ifndef IMAGE_SIGNATURE_H
#define IMAGE_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "image_header.h"

/* Where the block may lie, as offsets in the header page. */
#define IMAGE_SIGNATURE_OFFSET    IMAGE_HEADER_SIZE
#define IMAGE_SIGNATURE_AREA_END  0x780u
#define IMAGE_SIGNATURE_AREA_SIZE (IMAGE_SIGNATURE_AREA_END - IMAGE_SIGNATURE_OFFSET)

#define IMAGE_SIGNATURE_MAGIC      { 'S', 'G' }
#define IMAGE_SIGNATURE_MAGIC_SIZE 2u
#define IMAGE_SIGNATURE_VERSION    1u

typedef struct {
    uint8_t magic[IMAGE_SIGNATURE_MAGIC_SIZE];
    uint16_t version;
    uint16_t protected_size; /* from the block's start: this header and the protected TLVs */
    uint16_t block_size;     /* from the block's start: everything, the unprotected TLVs included */
} image_signature_header_t;

_Static_assert(offsetof(image_signature_header_t, magic) == 0, "magic at 0");
_Static_assert(offsetof(image_signature_header_t, version) == 2, "version at 2");
_Static_assert(offsetof(image_signature_header_t, protected_size) == 4, "protected_size at 4");
_Static_assert(offsetof(image_signature_header_t, block_size) == 6, "block_size at 6");
_Static_assert(sizeof(image_signature_header_t) == 8, "the block header is 8 bytes");

#define IMAGE_TLV_HEADER_SIZE 4u /* u16 type, u16 length */

#define IMAGE_TLV_KEY_ID               0x0001u /* protected */
#define IMAGE_TLV_SECURITY_COUNTER     0x0002u /* protected */
#define IMAGE_TLV_ECDSA_P256_SIGNATURE 0x0010u /* unprotected */

#define IMAGE_KEY_ID_SIZE               8u
#define IMAGE_SECURITY_COUNTER_SIZE     4u
#define IMAGE_ECDSA_P256_SIGNATURE_SIZE 64u
/* A P-256 public key as X9.62 uncompressed point: 0x04, then X and Y, 32 bytes each, big-endian. */
#define IMAGE_P256_POINT_SIZE           65u

/* The block as stm32boot writes it: block header, KEY_ID and SECURITY_COUNTER, then the signature. The application
 * reserves this much in its section .image_signature, so that its stamped ELF holds the same bytes as its HEX. */
#define IMAGE_SIGNATURE_BLOCK_SIZE                                                                                 \
    (sizeof(image_signature_header_t) + IMAGE_TLV_HEADER_SIZE + IMAGE_KEY_ID_SIZE + IMAGE_TLV_HEADER_SIZE          \
     + IMAGE_SECURITY_COUNTER_SIZE + IMAGE_TLV_HEADER_SIZE + IMAGE_ECDSA_P256_SIGNATURE_SIZE)
_Static_assert(IMAGE_SIGNATURE_BLOCK_SIZE == 96u, "stm32boot writes a 96-byte block");
_Static_assert(IMAGE_SIGNATURE_BLOCK_SIZE <= IMAGE_SIGNATURE_AREA_SIZE, "the block fits before the trailer");

#endif /* IMAGE_SIGNATURE_H */
