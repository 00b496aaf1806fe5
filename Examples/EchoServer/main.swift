import SwiftEV
print("echo")
