package io.berth.ct.hook;

import io.berth.config.BerthRoots;
import io.berth.ct.ContainerService;
import io.berth.ct.CtException;
import java.util.ArrayList;
import java.util.List;

/**
 * A lean entry point for LXC hooks ({@code [--root DIR] hook [TYPE | NAME lxc TYPE]}), the same arguments as
 * {@code berth hook}, without loading the CLI. Exit 0 on success, 1 with the reason on stderr otherwise.
 */
public final class HookMain {
    private HookMain() {}

    public static void main(String[] argv) {
        System.exit(run(List.of(argv)));
    }

    static int run(List<String> argv) {
        String root = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("--root") && i + 1 < argv.size()) root = argv.get(++i);
            else if (a.startsWith("--root=")) root = a.substring(7);
            else rest.add(a);
        }
        if (!rest.isEmpty() && rest.getFirst().equals("hook")) rest.removeFirst();
        String name = System.getenv("LXC_NAME");
        String type = System.getenv("LXC_HOOK_TYPE");
        if (rest.size() >= 3) {
            name = rest.get(0);
            type = rest.get(2);
        } else if (!rest.isEmpty()) {
            type = rest.getFirst();
        }
        try {
            if (name == null || type == null) throw new CtException("hook: need the hook type and LXC_NAME");
            new ContainerService(BerthRoots.resolve(root)).hooks().run(type, name, System.getenv());
            return 0;
        } catch (RuntimeException e) {
            System.err.println("berth hook " + type + " " + name + ": " + e.getMessage());
            return 1;
        }
    }
}
