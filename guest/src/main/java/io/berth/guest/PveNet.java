package io.berth.guest;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** Address arithmetic setup needs: is a gateway inside an interface's subnet, and an IPv4 prefix as a netmask. */
final class PveNet {
    private PveNet() {}

    /** An IPv4 {@code A.B.C.D/N}: the address and the dotted netmask. */
    record Ipv4Cidr(String address, String netmask) {}

    static Ipv4Cidr parseIpv4Cidr(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new GuestSetupException("ip '" + cidr + "' is not an IPv4 address with prefix length (A.B.C.D/N)");
        }
        int len = Integer.parseInt(cidr.substring(slash + 1));
        long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
        String netmask = (mask >> 24 & 255) + "." + (mask >> 16 & 255) + "." + (mask >> 8 & 255) + "." + (mask & 255);
        return new Ipv4Cidr(cidr.substring(0, slash), netmask);
    }

    /** Whether {@code ip} lies in the network of {@code cidr} (address/prefix); false when either does not parse. */
    static boolean inCidr(String ip, String cidr, int version) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return false;
        }
        Optional<byte[]> net = parse(cidr.substring(0, slash), version);
        Optional<byte[]> addr = parse(ip, version);
        if (net.isEmpty() || addr.isEmpty()) {
            return false;
        }
        int bits = net.get().length * 8;
        int len;
        try {
            len = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (len < 0 || len > bits) {
            return false;
        }
        BigInteger a = new BigInteger(1, net.get()).shiftRight(bits - len);
        BigInteger b = new BigInteger(1, addr.get()).shiftRight(bits - len);
        return a.equals(b);
    }

    private static Optional<byte[]> parse(String ip, int version) {
        boolean v6 = ip.contains(":");
        if ((version == 4) == v6 || !ip.matches("[0-9a-fA-F.:]+")) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(ip).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
