package io.berth.access;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Proxmox VE's privileges and built-in roles (pveum.adoc, "Privileges" and "Roles"). */
public final class Privileges {
    private Privileges() {}

    public static final Set<String> ALL = Set.copyOf(List.of(
            "Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
            "Group.Allocate", "Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
            "Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser", "SDN.Allocate", "SDN.Audit", "SDN.Use",
            "Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt", "Sys.Syslog",
            "User.Modify", "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
            "VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network",
            "VM.Config.Options", "VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite", "VM.GuestAgent.Unrestricted", "VM.Migrate",
            "VM.PowerMgmt", "VM.Replicate", "VM.Snapshot", "VM.Snapshot.Rollback"));

    private static Set<String> set(String... p) {
        for (String s : p) if (!ALL.contains(s)) throw new IllegalStateException("unknown privilege " + s);
        return Set.copyOf(List.of(p));
    }

    private static final Set<String> VM_USER = set("VM.Audit", "VM.Console", "VM.Backup", "VM.Config.CDROM",
            "VM.Config.Cloudinit", "VM.PowerMgmt", "VM.GuestAgent.Audit", "Pool.Audit", "Datastore.AllocateSpace",
            "Datastore.Audit");

    /** The built-in roles; they cannot be changed or deleted. */
    public static final Map<String, Set<String>> BUILTIN_ROLES = Map.ofEntries(
            Map.entry("Administrator", ALL),
            Map.entry("NoAccess", Set.of()),
            Map.entry("PVEAdmin", minus(ALL, "Permissions.Modify", "Realm.Allocate", "Sys.Modify", "Sys.Incoming",
                    "Sys.PowerMgmt", "Mapping.Modify")),
            Map.entry("PVEAuditor", set("Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit",
                    "VM.Audit", "VM.GuestAgent.Audit")),
            Map.entry("PVEDatastoreAdmin", set("Datastore.Allocate", "Datastore.AllocateSpace",
                    "Datastore.AllocateTemplate", "Datastore.Audit")),
            Map.entry("PVEDatastoreUser", set("Datastore.AllocateSpace", "Datastore.Audit")),
            Map.entry("PVEMappingAdmin", set("Mapping.Audit", "Mapping.Modify", "Mapping.Use")),
            Map.entry("PVEMappingUser", set("Mapping.Audit", "Mapping.Use")),
            Map.entry("PVEPoolAdmin", set("Pool.Allocate", "Pool.Audit")),
            Map.entry("PVEPoolUser", set("Pool.Audit")),
            Map.entry("PVESDNAdmin", set("SDN.Allocate", "SDN.Audit", "SDN.Use")),
            Map.entry("PVESDNUser", set("SDN.Audit", "SDN.Use")),
            Map.entry("PVESysAdmin", set("Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Syslog", "Sys.Modify",
                    "Sys.PowerMgmt", "Permissions.Modify")),
            Map.entry("PVETemplateUser", set("VM.Clone", "VM.Audit")),
            Map.entry("PVEUserAdmin", set("User.Modify", "Group.Allocate", "Realm.Allocate", "Realm.AllocateUser",
                    "Sys.Audit")),
            Map.entry("PVEVMAdmin", plus(minus(ALL.stream().filter(p -> p.startsWith("VM.")).collect(
                    java.util.stream.Collectors.toSet())), "Datastore.AllocateSpace", "Datastore.Audit", "Pool.Audit",
                    "Sys.Audit", "Sys.Console", "SDN.Use", "Mapping.Use")),
            Map.entry("PVEVMUser", VM_USER));

    private static Set<String> minus(Set<String> s, String... drop) {
        Set<String> out = new TreeSet<>(s);
        for (String d : drop) out.remove(d);
        return Set.copyOf(out);
    }

    private static Set<String> plus(Set<String> s, String... add) {
        Set<String> out = new TreeSet<>(s);
        out.addAll(List.of(add));
        return Set.copyOf(out);
    }

    public static boolean isBuiltinRole(String role) { return BUILTIN_ROLES.containsKey(role); }
}
