/* Prints the signature block's layout (image_signature.h) and the signature check's reasons (image_verify.h) as
 * "name value" lines, numbers in decimal. The C# signature tests compare this output with SignatureBlock. */
#include <stddef.h>
#include <stdio.h>

#include "image_signature.h"
#include "image_verify.h"

#define VALUE(name, value) printf("%s %lu\n", name, (unsigned long)(value))

int main(void)
{
    static const uint8_t magic[IMAGE_SIGNATURE_MAGIC_SIZE] = IMAGE_SIGNATURE_MAGIC;
    VALUE("offset", IMAGE_SIGNATURE_OFFSET);
    VALUE("area_end", IMAGE_SIGNATURE_AREA_END);
    VALUE("magic0", magic[0]);
    VALUE("magic1", magic[1]);
    VALUE("version", IMAGE_SIGNATURE_VERSION);
    VALUE("version_offset", offsetof(image_signature_header_t, version));
    VALUE("protected_size_offset", offsetof(image_signature_header_t, protected_size));
    VALUE("block_size_offset", offsetof(image_signature_header_t, block_size));
    VALUE("header_size", sizeof(image_signature_header_t));
    VALUE("tlv_header_size", IMAGE_TLV_HEADER_SIZE);
    VALUE("key_id_type", IMAGE_TLV_KEY_ID);
    VALUE("security_counter_type", IMAGE_TLV_SECURITY_COUNTER);
    VALUE("signature_type", IMAGE_TLV_ECDSA_P256_SIGNATURE);
    VALUE("key_id_size", IMAGE_KEY_ID_SIZE);
    VALUE("security_counter_size", IMAGE_SECURITY_COUNTER_SIZE);
    VALUE("signature_size", IMAGE_ECDSA_P256_SIGNATURE_SIZE);
    VALUE("point_size", IMAGE_P256_POINT_SIZE);
    VALUE("stamped_size", IMAGE_SIGNATURE_BLOCK_SIZE);
    VALUE("signed_flag", IMAGE_FLAG_SIGNED);
    for (uint32_t status = IMAGE_VERIFY_OK; status <= IMAGE_VERIFY_BAD_SIGNATURE; status++) {
        char buf[64];
        text_t text;
        text_init(&text, buf, sizeof buf);
        image_verify_status_write(&text, status);
        printf("status %u %s\n", (unsigned)status, buf);
    }
    return 0;
}
