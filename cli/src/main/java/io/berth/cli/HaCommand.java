package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cli.migrate.ClusterHa;
import io.berth.cluster.HaGroup;
import io.berth.cluster.HaResource;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code berth ha ...}: Proxmox's ha-manager for containers (resources, groups, status). */
@Command(name = "ha", mixinStandardHelpOptions = true,
        description = {"High availability (ha-manager): containers on shared storage restarted on another node when their node "
                + "fails. The node's HA watchdog stops its HA containers when the node loses its lease (no quorum, berthd "
                + "dead) before the elected HA manager recovers them elsewhere, so a container never runs twice."},
        subcommands = {HaCommand.Add.class, HaCommand.Set.class, HaCommand.Remove.class, HaCommand.Status.class,
                HaCommand.GroupAdd.class, HaCommand.GroupRemove.class})
public final class HaCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** Proxmox's service id {@code ct:VMID}, or the bare VMID. */
    static final class SidConverter implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override public Integer convert(String value) {
            if (value.startsWith("vm:"))
                throw new picocli.CommandLine.TypeConversionException("'" + value + "': Berth manages containers (ct:VMID), not VMs");
            return new VmidConverter().convert(value.startsWith("ct:") ? value.substring(3) : value);
        }
    }

    abstract static class ResourceOptions {
        @Option(names = "--state", paramLabel = "STATE", description = "Requested state: started, stopped, disabled, ignored.")
        String state;

        @Option(names = "--group", paramLabel = "GROUP", description = "The HA group whose nodes are preferred for recovery.")
        String group;

        @Option(names = "--max_restart", paramLabel = "N", description = "Restarts on the same node after a failed start (0..10, default 1).")
        Integer maxRestart;

        @Option(names = "--max_relocate", paramLabel = "N", description = "Relocations to another node once the restarts failed "
                + "(0..10, default 1); then the error state (cleared with --state disabled).")
        Integer maxRelocate;

        @Option(names = "--comment", paramLabel = "TEXT", description = "A note.")
        String comment;

        HaResource merge(int vmid, Optional<HaResource> old) {
            HaResource base = old.orElse(HaResource.of(vmid, HaResource.State.STARTED, Optional.empty()));
            return new HaResource(vmid, state == null ? base.state() : HaResource.State.parse(state),
                    group == null ? base.group() : group.isEmpty() ? Optional.empty() : Optional.of(group),
                    maxRestart == null ? base.maxRestart() : maxRestart, maxRelocate == null ? base.maxRelocate() : maxRelocate,
                    comment == null ? base.comment() : Optional.of(comment));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Put a container under HA (refused unless every "
            + "volume is on shared storage and bind/device mount points are marked shared=1)."})
    public static final class Add extends ResourceOptions implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", converter = SidConverter.class, description = "The container id (or ct:VMID).")
        int vmid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.add(CtCli.roots(spec), merge(vmid, Optional.empty()));
                return 0;
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Change a HA resource (e.g. --state stopped).")
    public static final class Set extends ResourceOptions implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", converter = SidConverter.class, description = "The container id (or ct:VMID).")
        int vmid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.set(CtCli.roots(spec), old -> merge(vmid, Optional.of(old)), vmid);
                return 0;
            });
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Take a container out of HA (it keeps running or not as it is).")
    public static final class Remove implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "VMID", converter = SidConverter.class, description = "The container id (or ct:VMID).")
        int vmid;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.remove(CtCli.roots(spec), vmid);
                return 0;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Quorum, HA manager, each node's LRM and each resource.")
    public static final class Status implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--output", description = "Output format; allowed: text, json (default ${DEFAULT-VALUE}).", defaultValue = "text")
        String output;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.Status s = ClusterHa.status(CtCli.roots(spec));
                switch (output) {
                    case "json" -> System.out.println(new ObjectMapper().writeValueAsString(s));
                    case "text" -> System.out.print(s.render());
                    default -> throw new io.berth.error.InvalidInputException("output", "'" + output + "' is invalid; allowed: text, json");
                }
                return 0;
            });
        }
    }

    @Command(name = "groupadd", mixinStandardHelpOptions = true, description = "Create or replace a HA group (groups.cfg).")
    public static final class GroupAdd implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "GROUP", description = "The group name.")
        String name;

        @Option(names = "--nodes", required = true, paramLabel = "NODE[:PRIO],...", description = "Member nodes, higher priority first.")
        String nodes;

        @Option(names = "--restricted", description = "Resources of the group run only on its nodes.")
        boolean restricted;

        @Option(names = "--nofailback", description = "Do not move a resource back to a higher-priority member when it comes "
                + "online again (by default the HA manager fails back to the highest-priority online member).")
        boolean nofailback;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.putGroup(CtCli.roots(spec), new HaGroup(name, HaGroup.parseNodes(nodes), restricted, nofailback));
                return 0;
            });
        }
    }

    @Command(name = "groupremove", mixinStandardHelpOptions = true, description = "Remove a HA group no resource uses.")
    public static final class GroupRemove implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "GROUP", description = "The group name.")
        String name;

        @Override public Integer call() {
            return CliErrors.run(spec, () -> {
                ClusterHa.removeGroup(CtCli.roots(spec), name);
                return 0;
            });
        }
    }
}
