package io.berth.guest;

import java.net.InetAddress;

/** Subnet membership for deciding whether a gateway needs an on-link route. */
final class IpMath {
    private IpMath() {}

    static boolean sameSubnet(String a, String b, int prefix) {
        byte[] x = InetAddress.ofLiteral(a).getAddress();
        byte[] y = InetAddress.ofLiteral(b).getAddress();
        if (x.length != y.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
