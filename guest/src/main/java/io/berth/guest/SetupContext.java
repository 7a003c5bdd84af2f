package io.berth.guest;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What setup takes from outside the container: the host's resolv.conf text and time zone, ssh-keygen, today's
 * date (for /etc/shadow), a salt for password hashes, and a seed that is stable per container (cron minutes,
 * connection UUIDs) so that running setup again changes nothing.
 */
record SetupContext(String hostResolvConf, Optional<String> hostTimezone, Optional<Path> sshKeygen, long epochDay,
                    String salt, String seed) {}
