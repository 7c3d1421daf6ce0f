print("Hello from a sandbox!")
import sys
print(sys.version)
