"""Print the pip version ansible-test bootstraps into its virtual environments."""
import inspect
import re

from ansible_test._internal import python_requirements

SOURCE = inspect.getsource(python_requirements.get_venv_packages)
print(re.search(r"pip='([0-9.]+)'", SOURCE).group(1))
