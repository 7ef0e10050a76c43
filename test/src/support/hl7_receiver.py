"""An MLLP receiver for tests: python3-hl7's asyncio MLLP server (Debian's python3-hl7), standing in
for a practice system that takes status and results. Each message received is printed as one JSON
line {"controlId", "type", "text"} and acknowledged with AA; repeats of a control id are printed too
(the test decides what a repeat means).

Usage: /usr/bin/python3 hl7_receiver.py PORT
"""
import asyncio
import json
import sys

import hl7
from hl7.mllp import start_hl7_server


async def serve(reader, writer):
    try:
        while not writer.is_closing():
            message = await reader.readmessage()
            msh = message.segment("MSH")
            control_id = str(msh[10])
            print(
                json.dumps(
                    {
                        "controlId": control_id,
                        "type": str(msh[9]),
                        "text": str(message),
                    }
                ),
                flush=True,
            )
            writer.writemessage(message.create_ack("AA"))
            await writer.drain()
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


async def main(port):
    server = await start_hl7_server(
        serve, host="127.0.0.1", port=port, encoding="utf-8", limit=64 * 1024 * 1024
    )
    print(json.dumps({"listening": port}), flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main(int(sys.argv[1])))
