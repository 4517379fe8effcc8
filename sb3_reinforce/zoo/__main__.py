"""``python -m sb3_reinforce.zoo <script> [zoo flags]``: the RL Zoo's scripts, with REINFORCE registered."""

from sb3_reinforce.zoo.cli import main

if __name__ == "__main__":
    main()
