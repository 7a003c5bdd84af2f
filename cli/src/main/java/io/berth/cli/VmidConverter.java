package io.berth.cli;

import io.berth.config.Vmid;
import io.berth.error.InvalidInputException;
import picocli.CommandLine;

/** VMID parameters as Proxmox accepts them: {@code 0999} and {@code +9305} are refused, not read as 999 and 9305. */
final class VmidConverter implements CommandLine.ITypeConverter<Integer> {
    @Override public Integer convert(String value) {
        try {
            return Vmid.parse(value);
        } catch (InvalidInputException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
