# Sends each "NAME HEX" netlink request of argv[1] on NETLINK_ROUTE and writes
# "NAME HEX" of the reply to argv[2]; run it with `ip netns exec` inside a
# namespace you made (see netlink-kernel-replies.txt). Test helper, not shipped.
import socket, struct, sys
msgs = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0].isupper() and len(l.split())==2]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
s.settimeout(2)
out = open(sys.argv[2], 'w')
for name, hx in msgs:
    s.send(bytes.fromhex(hx))
    data = b''
    for _ in range(50):
        chunk = s.recv(65536)
        data += chunk
        # stop at ack or done
        off = 0; stop = False
        while off + 16 <= len(chunk):
            ln, ty = struct.unpack_from('=IH', chunk, off)
            if ty in (2, 3): stop = True
            if ln < 16: break
            off += (ln + 3) & ~3
        if stop: break
    off = 0; res = []
    while off + 16 <= len(data):
        ln, ty = struct.unpack_from('=IH', data, off)
        if ty == 2: res.append('ERR %d' % struct.unpack_from('=i', data, off+16)[0])
        elif ty == 3: res.append('DONE')
        else: res.append('T%d' % ty)
        off += (ln + 3) & ~3
    print(name, ' '.join(res))
    out.write('%s %s\n' % (name, data.hex()))
