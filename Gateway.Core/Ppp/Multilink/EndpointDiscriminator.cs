namespace Gateway.Core.Ppp.Multilink;

/// <summary>Endpoint Discriminator classes (RFC 1990 section 5.1.3).</summary>
public enum EndpointDiscriminatorClass : byte
{
    Null = 0,
    LocallyAssigned = 1,
    IpAddress = 2,
    MacAddress = 3,
    MagicNumberBlock = 4,
    PhoneNumber = 5,
}

/// <summary>
/// The LCP Endpoint-Discriminator option value (RFC 1990 section 5.1.3): a class and an address
/// whose length the class constrains. Equality is by class and address bytes, which is what
/// bundle identity compares.
/// </summary>
public sealed class EndpointDiscriminator : IEquatable<EndpointDiscriminator>
{
    private readonly byte[] address;

    private EndpointDiscriminator(EndpointDiscriminatorClass @class, byte[] address)
    {
        Class = @class;
        this.address = address;
    }

    /// <summary>Class 0: no discriminator.</summary>
    public static EndpointDiscriminator None { get; } = new(EndpointDiscriminatorClass.Null, []);

    public EndpointDiscriminatorClass Class { get; }

    public ReadOnlySpan<byte> Address => address;

    /// <summary>
    /// Validates a class and address as they arrive in the option (RFC 1990 5.1.3 length rules):
    /// Null 0 bytes; Locally Assigned 1-20; IP 4; MAC 6; Magic-Number Block 4-20 in steps of 4;
    /// PSN 1-15. Classes 6-255 are reserved.
    /// </summary>
    public static bool TryCreate(byte @class, ReadOnlySpan<byte> address, out EndpointDiscriminator discriminator, out string? error)
    {
        discriminator = None;
        error = (EndpointDiscriminatorClass)@class switch
        {
            EndpointDiscriminatorClass.Null when address.Length != 0 => "class 0 (null) must carry no address",
            EndpointDiscriminatorClass.Null => null,
            EndpointDiscriminatorClass.LocallyAssigned when address.Length is < 1 or > 20 => "class 1 (locally assigned) address must be 1 to 20 bytes",
            EndpointDiscriminatorClass.IpAddress when address.Length != 4 => "class 2 (IP address) must be 4 bytes",
            EndpointDiscriminatorClass.MacAddress when address.Length != 6 => "class 3 (IEEE 802.1 MAC address) must be 6 bytes",
            EndpointDiscriminatorClass.MagicNumberBlock when address.Length is < 4 or > 20 || address.Length % 4 != 0 => "class 4 (magic-number block) must be 4 to 20 bytes in steps of 4",
            EndpointDiscriminatorClass.PhoneNumber when address.Length is < 1 or > 15 => "class 5 (public switched network directory number) must be 1 to 15 bytes",
            > EndpointDiscriminatorClass.PhoneNumber => $"class {@class} is reserved",
            _ => null,
        };
        if (error is not null)
            return false;
        discriminator = @class == 0 ? None : new EndpointDiscriminator((EndpointDiscriminatorClass)@class, address.ToArray());
        return true;
    }

    /// <summary>Class 1, locally assigned: FreeBSD's <c>set enddisc label</c> (the <c>set label</c> text, 1-20 bytes).</summary>
    public static bool TryCreateLabel(string label, out EndpointDiscriminator discriminator, out string? error) =>
        TryCreate((byte)EndpointDiscriminatorClass.LocallyAssigned, System.Text.Encoding.UTF8.GetBytes(label), out discriminator, out error);

    /// <summary>Class 2: FreeBSD's <c>set enddisc IP</c> (an IPv4 address).</summary>
    public static bool TryCreateIp(System.Net.IPAddress address, out EndpointDiscriminator discriminator, out string? error) =>
        TryCreate((byte)EndpointDiscriminatorClass.IpAddress, address.GetAddressBytes(), out discriminator, out error);

    /// <summary>Class 3: FreeBSD's <c>set enddisc MAC</c> (a 6-byte IEEE 802.1 address).</summary>
    public static bool TryCreateMac(ReadOnlySpan<byte> mac, out EndpointDiscriminator discriminator, out string? error) =>
        TryCreate((byte)EndpointDiscriminatorClass.MacAddress, mac, out discriminator, out error);

    /// <summary>Class 4: FreeBSD's <c>set enddisc magic</c> (a block of 4-20 random bytes, in steps of 4).</summary>
    public static bool TryCreateMagic(ReadOnlySpan<byte> block, out EndpointDiscriminator discriminator, out string? error) =>
        TryCreate((byte)EndpointDiscriminatorClass.MagicNumberBlock, block, out discriminator, out error);

    /// <summary>Class 5: FreeBSD's <c>set enddisc psn NUMBER</c> (a directory number, 1-15 bytes).</summary>
    public static bool TryCreatePhoneNumber(string number, out EndpointDiscriminator discriminator, out string? error) =>
        TryCreate((byte)EndpointDiscriminatorClass.PhoneNumber, System.Text.Encoding.ASCII.GetBytes(number), out discriminator, out error);

    /// <summary>Decodes the option's value (class octet then address, RFC 1990 5.1.3), validating as <see cref="TryCreate"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> optionValue, out EndpointDiscriminator discriminator, out string? error)
    {
        if (optionValue.IsEmpty)
        {
            discriminator = None;
            error = "endpoint discriminator option carries no class octet";
            return false;
        }
        return TryCreate(optionValue[0], optionValue[1..], out discriminator, out error);
    }

    /// <summary>Length of the option value <see cref="Encode"/> writes (class octet plus address).</summary>
    public int EncodedLength => 1 + address.Length;

    /// <summary>Writes the option value: class octet then address (RFC 1990 5.1.3). Returns the bytes written.</summary>
    public int Encode(Span<byte> destination)
    {
        destination[0] = (byte)Class;
        address.CopyTo(destination[1..]);
        return EncodedLength;
    }

    public bool Equals(EndpointDiscriminator? other) =>
        other is not null && Class == other.Class && Address.SequenceEqual(other.Address);

    public override bool Equals(object? obj) => Equals(obj as EndpointDiscriminator);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Class);
        hash.AddBytes(address);
        return hash.ToHashCode();
    }

    public override string ToString() => Class switch
    {
        EndpointDiscriminatorClass.Null => "null",
        EndpointDiscriminatorClass.LocallyAssigned => $"label:{Convert.ToHexString(address)}",
        EndpointDiscriminatorClass.IpAddress => $"ip:{new System.Net.IPAddress(address)}",
        EndpointDiscriminatorClass.MacAddress => $"mac:{Convert.ToHexString(address)}",
        EndpointDiscriminatorClass.MagicNumberBlock => $"magic:{Convert.ToHexString(address)}",
        _ => $"psn:{Convert.ToHexString(address)}",
    };
}
