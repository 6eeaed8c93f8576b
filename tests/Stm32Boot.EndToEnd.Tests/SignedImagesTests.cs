using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The refused images of <see cref="SignedImages"/> are what their names say: the checks `stm32boot info --key
/// keys/development-signing-key.pub.pem` runs and prints (ImageInspector's acceptance checks, ImageSignature.Inspect with
/// the key; InfoCommand, rendered as CliTests show) call each one what it is, and the good one verifies. In process and
/// without a board, so it costs nothing: it guards the secure-boot tests against a variant refused for another reason.
/// </summary>
public class SignedImagesTests
{
    private const uint Minimum = 3;

    private static readonly Lazy<SigningKey> PublicKey =
        new(() => SigningKey.Load(Path.Combine(Shipped.Root, "keys", "development-signing-key.pub.pem")));

    public static TheoryData<string> Names => new(SignedImages.All.Select(r => r.ToString()).Prepend("Good"));

    [Theory]
    [MemberData(nameof(Names))]
    public void Info_with_the_development_key_calls_each_image_what_it_is(string name)
    {
        var image = name == "Good"
            ? SignedImages.Good(UpdateImages.New)
            : SignedImages.Refused(Enum.Parse<SignedImages.Refusal>(name), UpdateImages.New, Minimum);

        var checks = ImageInspector.Inspect(image, Shipped.Map, Shipped.Settings.BoardId);
        var signature = ImageSignature.Inspect(image, Shipped.Map, checks.Header!, PublicKey.Value);

        // Every check but the signature's passes: one thing wrong at a time.
        Assert.True(checks.Accepted, string.Join(", ", checks.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        var expected = name switch
        {
            "Good" or nameof(SignedImages.Refusal.LowerCounter) => SignatureStatus.Ok, // info knows no board's minimum
            nameof(SignedImages.Refusal.Unsigned) => SignatureStatus.Unsigned,
            nameof(SignedImages.Refusal.OtherKey) => SignatureStatus.UnknownKey,
            _ => SignatureStatus.BadSignature,
        };
        Assert.Equal(expected, signature.Status);
        if (signature.Block is { } block)
        {
            var otherKey = name == nameof(SignedImages.Refusal.OtherKey);
            Assert.Equal(otherKey ? SignedImages.OtherKey.KeyId : PublicKey.Value.KeyId, block.KeyId);
            Assert.Equal(name == nameof(SignedImages.Refusal.LowerCounter) ? Minimum - 1 : Shipped.Settings.SecurityCounter, block.SecurityCounter);
        }
        else
        {
            Assert.Equal(nameof(SignedImages.Refusal.Unsigned), name);
        }
    }
}
