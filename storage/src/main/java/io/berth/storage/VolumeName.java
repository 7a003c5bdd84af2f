package io.berth.storage;

import io.berth.error.InvalidInputException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a volume id after {@code storage:}, in one of the layouts Berth (like Proxmox) allocates:
 * <ul>
 *   <li>{@link Layout#IMAGE_FILE} {@code 100/vm-100-disk-0.raw}: raw image file under {@code images/100/}</li>
 *   <li>{@link Layout#SUBVOL} {@code subvol-100-disk-0}, snapshot {@code subvol-100-disk-0@snap}</li>
 *   <li>{@link Layout#LV} {@code vm-100-disk-0}, snapshot {@code snap_vm-100-disk-0_snap} (LVM thin)</li>
 * </ul>
 * A template's base volumes ({@link #isBase}) are named as Proxmox names them: {@code 100/base-100-disk-0.raw},
 * {@code basevol-100-disk-0}, {@code base-100-disk-0}.
 */
public record VolumeName(Layout layout, int vmid, int disk, Optional<String> snapshot, boolean isBase) {

    public enum Layout {
        IMAGE_FILE(VolumeFormat.RAW), SUBVOL(VolumeFormat.SUBVOL), LV(VolumeFormat.RAW);

        private final VolumeFormat format;

        Layout(VolumeFormat format) {
            this.format = format;
        }

        public VolumeFormat format() {
            return format;
        }
    }

    public static final int MIN_VMID = 100;
    public static final int MAX_VMID = 999_999_999;
    /** Proxmox snapshot names: a letter, then letters, digits, '_' or '-'; at most 40 characters. */
    public static final Pattern SNAPSHOT_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,39}");

    private static final String NUM = "(0|[1-9][0-9]{0,9})";
    private static final String SNAP = "([A-Za-z][A-Za-z0-9_-]{0,39})";
    private static final Pattern IMAGE = Pattern.compile(NUM + "/(vm|base)-" + NUM + "-disk-" + NUM + "\\.raw");
    private static final Pattern SUBVOL = Pattern.compile("(subvol|basevol)-" + NUM + "-disk-" + NUM + "(?:@" + SNAP + ")?");
    private static final Pattern LV = Pattern.compile("(vm|base)-" + NUM + "-disk-" + NUM);
    private static final Pattern LV_SNAP = Pattern.compile("snap_vm-" + NUM + "-disk-" + NUM + "_" + SNAP);
    static final String ALLOWED = "'<vmid>/vm-<vmid>-disk-<n>.raw', 'subvol-<vmid>-disk-<n>[@<snap>]', "
            + "'vm-<vmid>-disk-<n>' or 'snap_vm-<vmid>-disk-<n>_<snap>' (vmid " + MIN_VMID + ".." + MAX_VMID
            + "; templates: base-/basevol- instead of vm-/subvol-)";

    public VolumeName(Layout layout, int vmid, int disk, Optional<String> snapshot) {
        this(layout, vmid, disk, snapshot, false);
    }

    public VolumeName {
        checkVmid(vmid);
        if (disk < 0) throw new InvalidInputException("volume", "invalid disk number " + disk + ": allowed 0 or more");
        if (snapshot.isPresent()) {
            if (layout == Layout.IMAGE_FILE)
                throw new InvalidInputException("volume", "raw image files have no snapshot volumes: allowed only for subvol and LV");
            checkSnapshotName(snapshot.get());
        }
    }

    public static VolumeName of(Layout layout, int vmid, int disk) {
        return new VolumeName(layout, vmid, disk, Optional.empty());
    }

    public VolumeName withSnapshot(String snap) {
        return new VolumeName(layout, vmid, disk, Optional.of(snap), isBase);
    }

    /** The volume itself, without a snapshot part. */
    public VolumeName base() {
        return new VolumeName(layout, vmid, disk, Optional.empty(), isBase);
    }

    /** The template base volume this volume becomes ({@code vm-} to {@code base-}, {@code subvol-} to {@code basevol-}). */
    public VolumeName asTemplateBase() {
        return new VolumeName(layout, vmid, disk, Optional.empty(), true);
    }

    /** The ordinary volume name of a base volume (to undo a template conversion). */
    public VolumeName asOrdinary() {
        return new VolumeName(layout, vmid, disk, Optional.empty(), false);
    }

    public VolumeFormat format() {
        return layout.format();
    }

    public static void checkVmid(long vmid) {
        if (vmid < MIN_VMID || vmid > MAX_VMID)
            throw new InvalidInputException("vmid", "invalid vmid " + vmid + ": allowed " + MIN_VMID + ".." + MAX_VMID);
    }

    public static void checkSnapshotName(String snap) {
        if (!SNAPSHOT_NAME.matcher(snap).matches())
            throw new InvalidInputException("snapname", "invalid snapshot name '" + snap
                    + "': allowed a letter, then up to 39 letters, digits, '_' or '-'");
    }

    /** Parses a volume name; {@code Optional.empty()} if it matches none of the layouts. */
    public static Optional<VolumeName> tryParse(String name) {
        Matcher m;
        try {
            if ((m = IMAGE.matcher(name)).matches()) {
                if (!m.group(1).equals(m.group(3))) return Optional.empty();
                return Optional.of(new VolumeName(Layout.IMAGE_FILE, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)),
                        Optional.empty(), m.group(2).equals("base")));
            }
            if ((m = SUBVOL.matcher(name)).matches())
                return Optional.of(new VolumeName(Layout.SUBVOL, Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)), Optional.ofNullable(m.group(4)), m.group(1).equals("basevol")));
            if ((m = LV.matcher(name)).matches())
                return Optional.of(new VolumeName(Layout.LV, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Optional.empty(), m.group(1).equals("base")));
            if ((m = LV_SNAP.matcher(name)).matches())
                return Optional.of(new VolumeName(Layout.LV, Integer.parseInt(m.group(1)),
                        Integer.parseInt(m.group(2)), Optional.of(m.group(3))));
        } catch (NumberFormatException | InvalidInputException e) {
            return Optional.empty(); // out-of-range vmid/disk number
        }
        return Optional.empty();
    }

    public static VolumeName parse(String name) {
        return tryParse(name).orElseThrow(() ->
                new InvalidInputException("volume", "invalid volume name '" + name + "': allowed " + ALLOWED));
    }

    /**
     * The file or LV name without the {@code <vmid>/} directory. Concatenation, not {@code %d}: a Formatter loads the
     * locale providers (~50 classes and CLDR's format data that berthd keeps for its life) and would print the
     * default locale's digits.
     */
    public String fileName() {
        String stem = "-" + vmid + "-disk-" + disk;
        return switch (layout) {
            case IMAGE_FILE -> (isBase ? "base" : "vm") + stem + ".raw";
            case SUBVOL -> (isBase ? "basevol" : "subvol") + stem + snapshot.map(s -> "@" + s).orElse("");
            case LV -> snapshot.map(s -> "snap_" + (isBase ? "base" : "vm") + stem + "_" + s)
                    .orElse((isBase ? "base" : "vm") + stem);
        };
    }

    @Override
    public String toString() {
        return layout == Layout.IMAGE_FILE ? vmid + "/" + fileName() : fileName();
    }
}
