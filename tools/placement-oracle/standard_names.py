#!/usr/bin/python3
"""Writes the standard resource classes (os-resource-classes, in its order: the order is their ids) and the
standard traits (os-traits) that Placement 8.0 ships with, as the workers' embedded lists.

    apt-get install -y python3-os-resource-classes python3-os-traits
    /usr/bin/python3 tools/placement-oracle/standard_names.py
"""
import os

import os_resource_classes
import os_traits

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'Workers', 'Placement', 'Standard')
with open(os.path.join(root, 'resource_classes.txt'), 'w') as f:
    f.write('\n'.join(os_resource_classes.STANDARDS) + '\n')
with open(os.path.join(root, 'traits.txt'), 'w') as f:
    f.write('\n'.join(sorted(os_traits.get_traits())) + '\n')
