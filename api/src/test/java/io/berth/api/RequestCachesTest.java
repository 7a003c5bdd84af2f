package io.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.access.AccessData;
import io.berth.access.AccessStore;
import io.berth.access.Authenticator;
import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request path's caches never outlive what they were computed from: a removed token or a disabled user is refused
 * on the next request, an ACL change is seen at once, and a container's status reading is dropped by a write.
 */
class RequestCachesTest {
    @TempDir Path tmp;

    private AccessStore store(String user) {
        AccessStore s = new AccessStore(tmp.resolve("access"));
        s.update(d -> {
            d.users.put(user, new AccessData.User(user, true, 0, "", "", "", "", ""));
            d.tokens.put(user + "!t", new AccessData.Token(user + "!t", 0, false, ""));
            d.acls.add(new AccessData.Acl("/vms/100", user, "PVEAuditor", true));
        });
        s.setTokenSecret(user + "!t", "secret-1");
        return s;
    }

    @Test void verifiedTokensAndTicketsFollowTheAccessFiles() {
        AccessStore s = store("cache@pve");
        Authenticator auth = new Authenticator(s, l -> {});
        String header = "PVEAPIToken=cache@pve!t=secret-1";
        assertThat(auth.byToken(header)).isPresent();
        assertThat(auth.byToken(header)).as("from the cache").isPresent();
        assertThat(auth.byToken("PVEAPIToken=cache@pve!t=wrong")).isEmpty();

        String ticket = auth.tickets().ticket("cache@pve", System.currentTimeMillis() / 1000);
        assertThat(auth.byTicket(ticket)).isPresent();
        assertThat(auth.byTicket(ticket + "x")).as("a forged signature").isEmpty();

        // disabling the user refuses both at once, though both were verified before
        s.update(d -> d.users.put("cache@pve", new AccessData.User("cache@pve", false, 0, "", "", "", "", "")));
        assertThat(auth.byToken(header)).isEmpty();
        assertThat(auth.byTicket(ticket)).isEmpty();
        s.update(d -> d.users.put("cache@pve", new AccessData.User("cache@pve", true, 0, "", "", "", "", "")));
        assertThat(auth.byToken(header)).isPresent();

        // a removed token secret: refused on the next request
        s.removeTokenSecret("cache@pve!t");
        assertThat(auth.byToken(header)).isEmpty();

        // an expired ticket is refused even though its signature was verified and cached
        String old = auth.tickets().ticket("cache@pve", System.currentTimeMillis() / 1000 - 7200 - 5);
        assertThat(auth.byTicket(old)).isEmpty();
    }

    @Test void memoizedPrivilegesFollowAclChanges() {
        AccessStore s = store("acl@pve");
        assertThat(s.permissions().has("acl@pve", "/vms/100", "VM.Audit")).isTrue();
        assertThat(s.permissions().has("acl@pve", "/vms/100", "VM.PowerMgmt")).isFalse();
        s.update(d -> d.acls.add(new AccessData.Acl("/vms/100", "acl@pve", "PVEVMUser", true)));
        assertThat(s.permissions().has("acl@pve", "/vms/100", "VM.PowerMgmt")).isTrue();
        s.update(d -> d.acls.clear());
        assertThat(s.permissions().has("acl@pve", "/vms/100", "VM.Audit")).isFalse();
    }

    @Test void statusReadingsExpireAndAreDroppedByWrites() throws Exception {
        BerthRoots roots = new BerthRoots(tmp.resolve("etc"), tmp.resolve("var"));
        Files.createDirectories(roots.containerConfigDir());
        Files.writeString(roots.containerConfig(8020), "arch: amd64\nhostname: first\nmemory: 256\nostype: debian\n");
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        StatusCache cache = new StatusCache(new ContainerService(roots), clock::get);
        assertThat(cache.get(8020).name()).isEqualTo("first");
        Files.writeString(roots.containerConfig(8020), "arch: amd64\nhostname: second\nmemory: 512\nostype: debian\n");
        assertThat(cache.get(8020).name()).as("within a second: the reading").isEqualTo("first");
        clock.addAndGet(StatusCache.TTL_NANOS);
        assertThat(cache.get(8020).name()).as("older than a second: read anew").isEqualTo("second");
        Files.writeString(roots.containerConfig(8020), "arch: amd64\nhostname: third\nmemory: 512\nostype: debian\n");
        cache.drop(8020);
        assertThat(cache.get(8020).name()).as("dropped by a write: read anew at once").isEqualTo("third");
        Files.delete(roots.containerConfig(8020));
        cache.drop(8020);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.get(8020)).hasMessageContaining("8020");
        assertThat(cache.size()).isZero();
    }
}
