package io.berth.guest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Sha512CryptTest {
    @Test void matchesGlibcAndOpenssl() {
        // the test vector of the SHA-crypt specification, and `openssl passwd -6 -salt berthsalt berth`
        assertThat(Sha512Crypt.crypt("Hello world!", "saltstring")).isEqualTo(
                "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1");
        assertThat(Sha512Crypt.crypt("berth", "berthsalt")).isEqualTo(
                "$6$berthsalt$cPfpiADXaCPXEVVszOQQUKsnBBvxPDTHPCBRIuW7tcqJmI31Qgyex4vJLLwiwPN5b6jNekvDvOMIVUkCjnUxr/");
    }
}
