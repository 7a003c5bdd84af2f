# An unchanged Proxmox API client library (Debian's python3-proxmoxer) against Berth:
# log in, list, create, start, stop, delete a container. Prints one line per step; exits non-zero on any failure.
import sys, time
from proxmoxer import ProxmoxAPI

host, port, user, password, vmid, template = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
px = ProxmoxAPI(host, port=port, user=user, password=password, verify_ssl=False)
print("version", px.version.get()["version"])
node = px.nodes.get()[0]["node"]
print("node", node)

def wait(upid):
    for _ in range(1200):
        st = px.nodes(node).tasks(upid).status.get()
        if st["status"] == "stopped":
            if st["exitstatus"] != "OK":
                raise SystemExit("task failed: %s %s" % (upid, st["exitstatus"]))
            return
        time.sleep(0.1)
    raise SystemExit("task timed out: " + upid)

print("before", sorted(c["vmid"] for c in px.nodes(node).lxc.get()))
wait(px.nodes(node).lxc.create(vmid=vmid, ostemplate=template, rootfs="local:1", hostname="proxmoxer", memory=128))
print("after-create", sorted(c["vmid"] for c in px.nodes(node).lxc.get()))
print("hostname", px.nodes(node).lxc(vmid).config.get()["hostname"])
wait(px.nodes(node).lxc(vmid).status.start.post())
print("status", px.nodes(node).lxc(vmid).status.current.get()["status"])
wait(px.nodes(node).lxc(vmid).status.stop.post())
print("status", px.nodes(node).lxc(vmid).status.current.get()["status"])
wait(px.nodes(node).lxc(vmid).delete())
print("after-delete", sorted(c["vmid"] for c in px.nodes(node).lxc.get()))
try:
    px.nodes(node).lxc(vmid).status.current.get()
    print("gone", "no")
except Exception as e:
    print("gone", type(e).__name__, getattr(e, "status_code", ""))
